/** HTTP calls against a hub: the way any API consumer makes them (`api`), and exactly as given, malformed or not (`rawRequest`). */
import { request as httpRequest, type IncomingHttpHeaders } from 'node:http';

export interface ApiResponse {
  status: number;
  /** The parsed JSON body (`null` when the body is not JSON). */
  body: any;
}

export interface ApiRequest {
  method?: string;
  token?: string;
  /** Sent as JSON unless `rawBody` is given. */
  body?: unknown;
  /** Sent as is, with `contentType` (default application/json). */
  rawBody?: string;
  contentType?: string;
}

export async function api(baseUrl: string, path: string, request: ApiRequest = {}): Promise<ApiResponse> {
  const headers: Record<string, string> = {};
  if (request.token !== undefined) headers.authorization = `Bearer ${request.token}`;
  let body: string | undefined;
  if (request.rawBody !== undefined) body = request.rawBody;
  else if (request.body !== undefined) body = JSON.stringify(request.body);
  if (body !== undefined) headers['content-type'] = request.contentType ?? 'application/json';
  const res = await fetch(new URL(path, baseUrl), { method: request.method ?? (body === undefined ? 'GET' : 'POST'), headers, body });
  const text = await res.text();
  let parsed: unknown = null;
  try {
    parsed = JSON.parse(text);
  } catch {
    // not JSON; callers check the status
  }
  return { status: res.status, body: parsed };
}

export interface RawRequest {
  method: string;
  /** Sent exactly as given: malformed percent-escapes and all. */
  path: string;
  headers?: Record<string, string>;
  /** Sent with a matching content-length unless `headers` names one. */
  body?: string | Buffer;
}

export interface RawResponse extends ApiResponse {
  text: string;
  headers: IncomingHttpHeaders;
}

/**
 * One request through node's http module, for what fetch will not send: a path it would
 * normalise, any content-encoding, an explicit content-length, a body on a GET. Each request has
 * its own connection, so a refusal that closes one never fails the next.
 */
export function rawRequest(baseUrl: string, request: RawRequest): Promise<RawResponse> {
  const { hostname, port } = new URL(baseUrl);
  const body = request.body === undefined ? undefined : Buffer.from(request.body);
  const headers = { ...(body ? { 'content-length': String(body.length) } : {}), ...request.headers };
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: hostname, port, method: request.method, path: request.path, headers, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('error', reject);
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        let parsed: unknown = null;
        try {
          parsed = JSON.parse(text);
        } catch {
          // not JSON; callers check the status
        }
        resolve({ status: res.statusCode!, body: parsed, text, headers: res.headers });
      });
    });
    req.on('error', reject);
    req.end(body);
  });
}
