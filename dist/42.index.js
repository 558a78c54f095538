export const id = 42;
export const ids = [42];
export const modules = {

/***/ 48042:
/***/ ((__unused_webpack___webpack_module__, __webpack_exports__, __webpack_require__) => {

__webpack_require__.r(__webpack_exports__);
/* harmony export */ __webpack_require__.d(__webpack_exports__, {
/* harmony export */   AzureStore: () => (/* binding */ AzureStore)
/* harmony export */ });
/* harmony import */ var _timeouts_js__WEBPACK_IMPORTED_MODULE_1__ = __webpack_require__(55525);
/* harmony import */ var _body_js__WEBPACK_IMPORTED_MODULE_2__ = __webpack_require__(54017);
/* harmony import */ var _types_js__WEBPACK_IMPORTED_MODULE_0__ = __webpack_require__(63232);



class AzureStore {
    container;
    name;
    containerRef;
    constructor(container) {
        this.container = container;
        this.name = `az://${container}`;
    }
    connect() {
        return (this.containerRef ??= (async () => {
            const blob = await Promise.all(/* import() */[__webpack_require__.e(669), __webpack_require__.e(95)]).then(__webpack_require__.bind(__webpack_require__, 69095));
            const timeout = (0,_timeouts_js__WEBPACK_IMPORTED_MODULE_1__/* .requestTimeoutMs */ .Hl)();
            // Retries are MetaFuse's (after reading back), so the client must not repeat a conditional write.
            const pipeline = { retryOptions: { maxTries: 1, tryTimeoutInMs: timeout } };
            const conn = process.env.AZURE_STORAGE_CONNECTION_STRING;
            if (conn)
                return blob.BlobServiceClient.fromConnectionString(conn, pipeline).getContainerClient(this.container);
            const account = process.env.AZURE_STORAGE_ACCOUNT;
            if (!account) {
                throw new _types_js__WEBPACK_IMPORTED_MODULE_0__/* .StoreError */ .AD('az:// needs an account: set AZURE_STORAGE_CONNECTION_STRING, or AZURE_STORAGE_ACCOUNT (with AZURE_STORAGE_KEY, or credentials for the standard Azure credential chain)');
            }
            const url = process.env.AZURE_STORAGE_BLOB_ENDPOINT ?? `https://${account}.blob.core.windows.net`;
            const key = process.env.AZURE_STORAGE_KEY;
            let credential;
            if (key) {
                credential = new blob.StorageSharedKeyCredential(account, key);
            }
            else {
                let identity;
                try {
                    identity = await Promise.all(/* import() */[__webpack_require__.e(669), __webpack_require__.e(324), __webpack_require__.e(983)]).then(__webpack_require__.t.bind(__webpack_require__, 83983, 19));
                }
                catch {
                    throw new _types_js__WEBPACK_IMPORTED_MODULE_0__/* .StoreError */ .AD('az:// with AZURE_STORAGE_ACCOUNT alone needs the @azure/identity package for the standard credential chain; install it, or set AZURE_STORAGE_KEY or AZURE_STORAGE_CONNECTION_STRING');
                }
                credential = new identity.DefaultAzureCredential();
            }
            return new blob.BlobServiceClient(url, credential, pipeline).getContainerClient(this.container);
        })());
    }
    fail(e, what, key) {
        if (e instanceof _types_js__WEBPACK_IMPORTED_MODULE_0__/* .StoreError */ .AD)
            throw e;
        const x = e;
        const code = x?.statusCode;
        const name = x?.details?.errorCode ?? x?.code ?? '';
        if (code === 401 || code === 403) {
            throw new _types_js__WEBPACK_IMPORTED_MODULE_0__/* .StoreError */ .AD(`${what} az://${this.container}/${key} was refused (${name || code}): check AZURE_STORAGE_CONNECTION_STRING / AZURE_STORAGE_KEY or the identity's Storage Blob Data role`);
        }
        if (name === 'ContainerNotFound')
            throw new _types_js__WEBPACK_IMPORTED_MODULE_0__/* .StoreError */ .AD(`container "${this.container}" does not exist`);
        if (/CredentialUnavailable|AuthenticationRequired/i.test(`${name} ${x?.message ?? ''}`)) {
            throw new _types_js__WEBPACK_IMPORTED_MODULE_0__/* .StoreError */ .AD(`no Azure credentials found for az://${this.container}: ${x?.message?.split('\n')[0] ?? ''}`);
        }
        const retryAfterMs = (0,_timeouts_js__WEBPACK_IMPORTED_MODULE_1__/* .parseRetryAfter */ .mu)(x?.response?.headers?.get('retry-after'));
        throw new _types_js__WEBPACK_IMPORTED_MODULE_0__/* .AmbiguousStoreError */ .Kv(`${what} az://${this.container}/${key} failed${code ? ` (HTTP ${code}${name ? ` ${name}` : ''})` : ''}: ${x?.message?.split('\n')[0] ?? String(e)}`, e, { retryAfterMs });
    }
    /** An inactivity timeout for one request: this SDK applies none on the client side (its tryTimeoutInMs only becomes the server's ?timeout=). */
    idle() {
        return (0,_timeouts_js__WEBPACK_IMPORTED_MODULE_1__/* .idleAbort */ .xX)((0,_timeouts_js__WEBPACK_IMPORTED_MODULE_1__/* .requestTimeoutMs */ .Hl)());
    }
    async head(key) {
        const container = await this.connect();
        const idle = this.idle();
        try {
            const p = await container.getBlobClient(key).getProperties({ abortSignal: idle.signal });
            return { token: p.etag ?? '', size: p.contentLength ?? 0, metadata: p.metadata ?? {} };
        }
        catch (e) {
            if (e.statusCode === 404 && e.details?.errorCode !== 'ContainerNotFound')
                return null;
            return this.fail(idle.why(e), 'reading', key);
        }
        finally {
            idle.done();
        }
    }
    async get(key, options = {}) {
        const container = await this.connect();
        const idle = this.idle();
        try {
            const client = container.getBlobClient(key);
            const r = await client.download(0, undefined, { abortSignal: idle.signal, onProgress: () => idle.touch(), ...(options.ifNoneMatch ? { conditions: { ifNoneMatch: options.ifNoneMatch } } : {}) });
            const body = await (0,_body_js__WEBPACK_IMPORTED_MODULE_2__/* .readBody */ .x)(r.readableStreamBody, r.contentLength, options.onProgress);
            return { status: 'ok', info: { token: r.etag ?? '', size: body.length, metadata: r.metadata ?? {} }, body };
        }
        catch (e) {
            const x = e;
            if (x.statusCode === 304) {
                const info = await this.head(key);
                return info ? { status: 'not-modified', info } : { status: 'absent' };
            }
            if (x.statusCode === 404 && x.details?.errorCode !== 'ContainerNotFound')
                return { status: 'absent' };
            return this.fail(idle.why(e), 'reading', key);
        }
        finally {
            idle.done();
        }
    }
    async put(key, body, options) {
        const container = await this.connect();
        const idle = this.idle();
        try {
            const r = await container.getBlockBlobClient(key).upload(body, body.length, {
                abortSignal: idle.signal,
                onProgress: () => idle.touch(),
                metadata: options.metadata,
                blobHTTPHeaders: { blobContentType: 'application/vnd.sqlite3' },
                conditions: options.ifMatch === null ? { ifNoneMatch: '*' } : { ifMatch: options.ifMatch },
            });
            return { status: 'ok', token: r.etag ?? '' };
        }
        catch (e) {
            const x = e;
            const name = x.details?.errorCode ?? x.code;
            if (x.statusCode === 412 || (x.statusCode === 409 && name === 'BlobAlreadyExists') || (options.ifMatch !== null && x.statusCode === 404 && name === 'BlobNotFound')) {
                return { status: 'conflict' };
            }
            return this.fail(idle.why(e), 'writing', key);
        }
        finally {
            idle.done();
        }
    }
    async list(prefix) {
        const container = await this.connect();
        const keys = [];
        const idle = this.idle();
        try {
            for await (const b of container.listBlobsFlat({ prefix, abortSignal: idle.signal })) {
                keys.push(b.name);
                idle.touch();
            }
        }
        catch (e) {
            return this.fail(idle.why(e), 'reading', prefix);
        }
        finally {
            idle.done();
        }
        return keys.sort();
    }
    async delete(key) {
        const container = await this.connect();
        const idle = this.idle();
        try {
            await container.getBlobClient(key).deleteIfExists({ abortSignal: idle.signal });
        }
        catch (e) {
            this.fail(idle.why(e), 'writing', key);
        }
        finally {
            idle.done();
        }
    }
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
