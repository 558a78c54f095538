export const id = 791;
export const ids = [791];
export const modules = {

/***/ 69791:
/***/ ((__unused_webpack___webpack_module__, __webpack_exports__, __webpack_require__) => {

__webpack_require__.r(__webpack_exports__);
/* harmony export */ __webpack_require__.d(__webpack_exports__, {
/* harmony export */   S3Store: () => (/* binding */ S3Store)
/* harmony export */ });
/* harmony import */ var _body_js__WEBPACK_IMPORTED_MODULE_2__ = __webpack_require__(54017);
/* harmony import */ var _types_js__WEBPACK_IMPORTED_MODULE_0__ = __webpack_require__(63232);
/* harmony import */ var _timeouts_js__WEBPACK_IMPORTED_MODULE_1__ = __webpack_require__(55525);



function status(e) {
    const x = e;
    return x?.$metadata?.httpStatusCode ?? x?.$response?.statusCode;
}
function errName(e) {
    const x = e;
    return x?.name ?? x?.Code ?? x?.code ?? '';
}
/**
 * Object metadata as written: Ceph radosgw answers `x-amz-meta-metafuse_version`
 * as `metafuse-version` (underscores turned into dashes), so map our keys back.
 */
function metadataOf(m) {
    const out = {};
    for (const [k, v] of Object.entries(m ?? {})) {
        const key = /^metafuse-/.test(k) ? k.replace(/-/g, '_') : k;
        if (!(key in out) || key === k)
            out[key] = v;
    }
    return out;
}
const AUTH_ERRORS = new Set(['AccessDenied', 'InvalidAccessKeyId', 'SignatureDoesNotMatch', 'ExpiredToken', 'CredentialsProviderError', 'InvalidToken', 'Forbidden']);
class S3Store {
    bucket;
    name;
    client;
    /** Some S3-compatible servers (Ceph radosgw) compare If-Match without the ETag's quotes; learned on the first spurious 412. */
    unquotedIfMatch = false;
    constructor(bucket) {
        this.bucket = bucket;
        this.name = `s3://${bucket}`;
    }
    connect() {
        return (this.client ??= (async () => {
            // The SDK warns on every command under Node 20 about its future Node 22 requirement; MetaFuse pins a release that supports Node 20.
            process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
            const mod = await __webpack_require__.e(/* import() */ 711).then(__webpack_require__.t.bind(__webpack_require__, 53711, 19));
            const endpoint = process.env.AWS_ENDPOINT_URL_S3 || process.env.AWS_ENDPOINT_URL;
            const forcePathStyle = /^(1|true|yes)$/i.test(process.env.AWS_S3_FORCE_PATH_STYLE ?? '') || Boolean(endpoint);
            const timeout = (0,_timeouts_js__WEBPACK_IMPORTED_MODULE_1__/* .requestTimeoutMs */ .Hl)();
            const s3 = new mod.S3Client({
                forcePathStyle,
                // An S3-compatible endpoint without a configured region still needs one to sign.
                ...(endpoint && !process.env.AWS_REGION && !process.env.AWS_DEFAULT_REGION ? { region: 'us-east-1' } : {}),
                // Checksums only where S3 requires them: compatible servers reject the streaming variant (411).
                requestChecksumCalculation: 'WHEN_REQUIRED',
                responseChecksumValidation: 'WHEN_REQUIRED',
                // MetaFuse retries writes itself (after reading back), so the SDK must not repeat a conditional PUT.
                maxAttempts: 1,
                // The timeout is one of inactivity (socketTimeout): no answer, or a body that stalls midway, for that long.
                // (This SDK's requestTimeout only logs a warning unless throwOnRequestTimeout is set, and it would also
                // cut a large upload that is making progress.)
                requestHandler: { connectionTimeout: Math.min(timeout, 10_000), socketTimeout: timeout },
            });
            return { s3, mod };
        })());
    }
    fail(e, what, key) {
        const name = errName(e);
        const code = status(e);
        // Checked first: CredentialsProviderError means nothing was sent, not that the server refused it.
        if (/Could not load credentials|CredentialsProviderError/.test(`${name} ${e?.message}`)) {
            throw new _types_js__WEBPACK_IMPORTED_MODULE_0__/* .StoreError */ .AD(`no AWS credentials found for s3://${this.bucket}: set AWS_PROFILE or AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, or run where a role is attached`);
        }
        if (AUTH_ERRORS.has(name) || code === 403 || code === 401) {
            throw new _types_js__WEBPACK_IMPORTED_MODULE_0__/* .StoreError */ .AD(`${what} s3://${this.bucket}/${key} was refused (${name || code}): check the credentials (AWS_PROFILE, AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, the role) and that they may ${what === 'reading' ? 's3:GetObject' : 's3:PutObject'} on this bucket`);
        }
        if (name === 'NoSuchBucket')
            throw new _types_js__WEBPACK_IMPORTED_MODULE_0__/* .StoreError */ .AD(`bucket "${this.bucket}" does not exist (or is in another region/endpoint)`);
        if (name === 'Region' || /region/i.test(e?.message ?? ''))
            throw new _types_js__WEBPACK_IMPORTED_MODULE_0__/* .StoreError */ .AD(`S3 needs a region: set AWS_REGION (${e.message ?? ''})`);
        const retryAfterMs = (0,_timeouts_js__WEBPACK_IMPORTED_MODULE_1__/* .parseRetryAfter */ .mu)(e?.$response?.headers?.['retry-after']);
        throw new _types_js__WEBPACK_IMPORTED_MODULE_0__/* .AmbiguousStoreError */ .Kv(`${what} s3://${this.bucket}/${key} failed: ${name || 'error'}${code ? ` (HTTP ${code})` : ''}: ${e?.message ?? String(e)}`, e, { retryAfterMs });
    }
    async head(key) {
        const { s3, mod } = await this.connect();
        try {
            const r = await s3.send(new mod.HeadObjectCommand({ Bucket: this.bucket, Key: key }));
            return { token: r.ETag ?? '', size: r.ContentLength ?? 0, metadata: metadataOf(r.Metadata) };
        }
        catch (e) {
            if (status(e) === 404 || errName(e) === 'NotFound' || errName(e) === 'NoSuchKey')
                return null;
            return this.fail(e, 'reading', key);
        }
    }
    async get(key, options = {}) {
        const { s3, mod } = await this.connect();
        try {
            const r = await s3.send(new mod.GetObjectCommand({ Bucket: this.bucket, Key: key, ...(options.ifNoneMatch ? { IfNoneMatch: options.ifNoneMatch } : {}) }));
            // In Node the Body is the response stream (an async iterable): read it chunk by chunk to report progress.
            const body = await (0,_body_js__WEBPACK_IMPORTED_MODULE_2__/* .readBody */ .x)(r.Body, r.ContentLength, options.onProgress);
            return { status: 'ok', info: { token: r.ETag ?? '', size: body.length, metadata: metadataOf(r.Metadata) }, body };
        }
        catch (e) {
            if (status(e) === 304) {
                const info = await this.head(key);
                return info ? { status: 'not-modified', info } : { status: 'absent' };
            }
            // A missing bucket is a 404 too; only a missing key means "no catalog yet".
            if (errName(e) !== 'NoSuchBucket' && (status(e) === 404 || errName(e) === 'NoSuchKey'))
                return { status: 'absent' };
            return this.fail(e, 'reading', key);
        }
    }
    async put(key, body, options) {
        const { s3, mod } = await this.connect();
        const send = (ifMatch) => s3.send(new mod.PutObjectCommand({
            Bucket: this.bucket,
            Key: key,
            Body: body,
            ContentLength: body.length,
            ContentType: 'application/vnd.sqlite3',
            Metadata: options.metadata,
            ...(ifMatch === null ? { IfNoneMatch: '*' } : { IfMatch: ifMatch }),
        }));
        const quoted = options.ifMatch;
        const unquoted = quoted?.replace(/^"(.*)"$/, '$1') ?? null;
        try {
            const r = await send(this.unquotedIfMatch ? unquoted : quoted);
            return { status: 'ok', token: r.ETag ?? '' };
        }
        catch (e) {
            const code = status(e);
            const name = errName(e);
            const conflict = code === 412 || name === 'PreconditionFailed' || (code === 409 && name === 'ConditionalRequestConflict') || (quoted !== null && (code === 404 || name === 'NoSuchKey'));
            if (!conflict)
                return this.fail(e, 'writing', key);
            // A 412 although the object still carries the ETag we sent: the server wants it unquoted.
            if (quoted !== null && quoted !== unquoted && !this.unquotedIfMatch && code === 412) {
                const now = await this.head(key);
                if (now?.token === quoted) {
                    this.unquotedIfMatch = true;
                    return this.put(key, body, options);
                }
            }
            return { status: 'conflict' };
        }
    }
    async list(prefix) {
        const { s3, mod } = await this.connect();
        const keys = [];
        let token;
        try {
            do {
                const r = await s3.send(new mod.ListObjectsV2Command({ Bucket: this.bucket, Prefix: prefix, ContinuationToken: token }));
                for (const o of r.Contents ?? [])
                    if (o.Key)
                        keys.push(o.Key);
                token = r.IsTruncated ? r.NextContinuationToken : undefined;
            } while (token);
        }
        catch (e) {
            return this.fail(e, 'reading', prefix);
        }
        return keys.sort();
    }
    async delete(key) {
        const { s3, mod } = await this.connect();
        try {
            await s3.send(new mod.DeleteObjectCommand({ Bucket: this.bucket, Key: key }));
        }
        catch (e) {
            this.fail(e, 'writing', key);
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
