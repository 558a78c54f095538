export const id = 434;
export const ids = [434];
export const modules = {

/***/ 62434:
/***/ ((__unused_webpack___webpack_module__, __webpack_exports__, __webpack_require__) => {

__webpack_require__.r(__webpack_exports__);
/* harmony export */ __webpack_require__.d(__webpack_exports__, {
/* harmony export */   GcsStore: () => (/* binding */ GcsStore)
/* harmony export */ });
/* harmony import */ var _timeouts_js__WEBPACK_IMPORTED_MODULE_1__ = __webpack_require__(55525);
/* harmony import */ var _body_js__WEBPACK_IMPORTED_MODULE_2__ = __webpack_require__(54017);
/* harmony import */ var _types_js__WEBPACK_IMPORTED_MODULE_0__ = __webpack_require__(63232);



class GcsStore {
    bucket;
    name;
    bucketRef;
    constructor(bucket) {
        this.bucket = bucket;
        this.name = `gs://${bucket}`;
    }
    connect() {
        return (this.bucketRef ??= (async () => {
            const { Storage } = await Promise.all(/* import() */[__webpack_require__.e(669), __webpack_require__.e(324), __webpack_require__.e(665)]).then(__webpack_require__.bind(__webpack_require__, 73665));
            // Retries are MetaFuse's (after reading back), so the client must not repeat a conditional write.
            const storage = new Storage({ retryOptions: { autoRetry: false }, timeout: (0,_timeouts_js__WEBPACK_IMPORTED_MODULE_1__/* .requestTimeoutMs */ .Hl)() });
            return storage.bucket(this.bucket);
        })());
    }
    fail(e, what, key) {
        const x = e;
        const code = Number(x?.code);
        if (code === 401 || code === 403) {
            throw new _types_js__WEBPACK_IMPORTED_MODULE_0__/* .StoreError */ .AD(`${what} gs://${this.bucket}/${key} was refused (HTTP ${code}): check GOOGLE_APPLICATION_CREDENTIALS or the workload identity, and its storage.objects permissions`);
        }
        if (/Could not load the default credentials/i.test(x?.message ?? '')) {
            throw new _types_js__WEBPACK_IMPORTED_MODULE_0__/* .StoreError */ .AD(`no Google Cloud credentials found for gs://${this.bucket}: set GOOGLE_APPLICATION_CREDENTIALS or run gcloud auth application-default login`);
        }
        if (code === 404)
            throw new _types_js__WEBPACK_IMPORTED_MODULE_0__/* .StoreError */ .AD(`bucket "${this.bucket}" does not exist`);
        throw new _types_js__WEBPACK_IMPORTED_MODULE_0__/* .AmbiguousStoreError */ .Kv(`${what} gs://${this.bucket}/${key} failed${code ? ` (HTTP ${code})` : ''}: ${x?.message ?? String(e)}`, e, { retryAfterMs: (0,_timeouts_js__WEBPACK_IMPORTED_MODULE_1__/* .parseRetryAfter */ .mu)(x?.response?.headers?.['retry-after']) });
    }
    async head(key) {
        const bucket = await this.connect();
        try {
            const [m] = await bucket.file(key).getMetadata();
            return { token: String(m.generation), size: Number(m.size ?? 0), metadata: stringMap(m.metadata) };
        }
        catch (e) {
            // GCS answers a missing bucket with 404 "The specified bucket does not exist." too.
            if (Number(e.code) === 404 && !/bucket does not exist/i.test(e.message ?? ''))
                return null;
            return this.fail(e, 'reading', key);
        }
    }
    async get(key, options = {}) {
        const info = await this.head(key);
        if (!info)
            return { status: 'absent' };
        if (options.ifNoneMatch === info.token)
            return { status: 'not-modified', info };
        const bucket = await this.connect();
        try {
            // Pin the generation just read so body and metadata belong together.
            const file = bucket.file(key, { generation: Number(info.token) });
            // download() is createReadStream() collected into a Buffer; read the same stream ourselves to report progress,
            // and to time it out: the client's `timeout` covers the JSON API calls, not this media download (a body
            // that stalls midway would hang for ever), so it gets an inactivity timeout of its own.
            const stream = file.createReadStream({ validation: false });
            const idle = (0,_timeouts_js__WEBPACK_IMPORTED_MODULE_1__/* .idleAbort */ .xX)((0,_timeouts_js__WEBPACK_IMPORTED_MODULE_1__/* .requestTimeoutMs */ .Hl)());
            idle.signal.addEventListener('abort', () => stream.destroy(idle.signal.reason), { once: true });
            let body;
            try {
                body = await (0,_body_js__WEBPACK_IMPORTED_MODULE_2__/* .readBody */ .x)(stream, info.size, (received, total) => {
                    idle.touch();
                    options.onProgress?.(received, total);
                });
            }
            catch (e) {
                throw idle.why(e);
            }
            finally {
                idle.done();
            }
            return { status: 'ok', info: { ...info, size: body.length }, body };
        }
        catch (e) {
            if (Number(e.code) === 404)
                return this.get(key, options); // replaced meanwhile: read the new one
            return this.fail(e, 'reading', key);
        }
    }
    async put(key, body, options) {
        const bucket = await this.connect();
        const file = bucket.file(key);
        try {
            await file.save(body, {
                resumable: false,
                validation: false,
                metadata: { contentType: 'application/vnd.sqlite3', metadata: options.metadata },
                preconditionOpts: { ifGenerationMatch: options.ifMatch === null ? 0 : Number(options.ifMatch) },
            });
            // save() leaves the object resource of this write in file.metadata.
            return { status: 'ok', token: String(file.metadata.generation) };
        }
        catch (e) {
            if (Number(e.code) === 412)
                return { status: 'conflict' };
            return this.fail(e, 'writing', key);
        }
    }
    async list(prefix) {
        const bucket = await this.connect();
        try {
            const [files] = await bucket.getFiles({ prefix });
            return files.map((f) => f.name).sort();
        }
        catch (e) {
            return this.fail(e, 'reading', prefix);
        }
    }
    async delete(key) {
        const bucket = await this.connect();
        try {
            await bucket.file(key).delete({ ignoreNotFound: true });
        }
        catch (e) {
            this.fail(e, 'writing', key);
        }
    }
}
function stringMap(m) {
    const out = {};
    if (m && typeof m === 'object')
        for (const [k, v] of Object.entries(m))
            if (v !== null && v !== undefined)
                out[k] = String(v);
    return out;
}


/***/ }),

/***/ 55525:
/***/ ((__unused_webpack___webpack_module__, __webpack_exports__, __webpack_require__) => {

/* harmony export */ __webpack_require__.d(__webpack_exports__, {
/* harmony export */   Hl: () => (/* binding */ requestTimeoutMs),
/* harmony export */   mu: () => (/* binding */ parseRetryAfter),
/* harmony export */   xX: () => (/* binding */ idleAbort)
/* harmony export */ });
/* unused harmony export DEFAULT_TIMEOUT_MS */
// Network timeouts for every store request, configurable with METAFUSE_TIMEOUT_MS,
// and the server's Retry-After hint. See docs/storage.md "Timeouts and retries".
const DEFAULT_TIMEOUT_MS = 60_000;
function requestTimeoutMs(env = process.env) {
    const v = Number(env.METAFUSE_TIMEOUT_MS);
    return Number.isFinite(v) && v > 0 ? v : DEFAULT_TIMEOUT_MS;
}
/**
 * An abort signal that fires when a request makes no progress for `ms`: no
 * answer, or a body that stalls midway. `touch()` on every chunk received;
 * `done()` once the request is over. For SDKs whose own timeout does not cover
 * both (the Azure SDK applies none of its own on the client side).
 */
function idleAbort(ms) {
    const controller = new AbortController();
    let timer;
    const arm = () => {
        clearTimeout(timer);
        timer = setTimeout(() => controller.abort(new Error(`timed out: no answer or no progress for ${ms} ms`)), ms);
        timer.unref();
    };
    arm();
    return {
        signal: controller.signal,
        touch: arm,
        done: () => clearTimeout(timer),
        /** The error to report: the timeout when it fired (the SDK only says "aborted"), else e. */
        why: (e) => (controller.signal.aborted ? controller.signal.reason : e),
    };
}
/**
 * A Retry-After header in milliseconds: delta-seconds ("120") or an HTTP date
 * (RFC 9110 §10.2.3). Undefined when absent or unreadable; a date in the past is 0.
 */
function parseRetryAfter(value, now = Date.now()) {
    if (typeof value !== 'string' || value.trim() === '')
        return undefined;
    const v = value.trim();
    if (/^\d+$/.test(v))
        return Number(v) * 1000;
    const t = Date.parse(v);
    return Number.isFinite(t) ? Math.max(0, t - now) : undefined;
}


/***/ })

};
