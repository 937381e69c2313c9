// A minimal multipart/form-data editor (RFC 7578) for the request-transformer's body rules: it keeps
// every part byte-for-byte except those it edits, like the lua-multipart module Kong uses.

interface Part {
  name: string | null;
  /** Raw header block of the part, without the blank line. */
  head: string;
  data: Buffer;
}

const CRLF = '\r\n';

/** The boundary parameter of a multipart Content-Type, or null. */
export function multipartBoundary(contentType: string): string | null {
  const m = /;\s*boundary=(?:"([^"]+)"|([^;\s]+))/i.exec(contentType);
  return m ? (m[1] ?? m[2]) : null;
}

const partName = (head: string): string | null => {
  const m = /content-disposition:[^\r\n]*?;\s*name="([^"]*)"/i.exec(head);
  return m ? m[1] : null;
};

/** A parsed multipart body whose simple fields can be read, set and deleted. */
export class MultipartBody {
  readonly boundary: string;
  parts: Part[];

  constructor(body: Buffer, boundary: string) {
    this.boundary = boundary;
    this.parts = [];
    const delimiter = Buffer.from(`--${boundary}`);
    let at = body.indexOf(delimiter);
    while (at !== -1) {
      const start = at + delimiter.length;
      if (body[start] === 45 && body[start + 1] === 45) break; // '--' closes the body.
      const next = body.indexOf(delimiter, start);
      if (next === -1) break;
      // Part = CRLF headers CRLF CRLF data CRLF.
      const chunk = body.subarray(start + 2, next - 2);
      const split = chunk.indexOf('\r\n\r\n');
      const head = split === -1 ? chunk.toString('latin1') : chunk.subarray(0, split).toString('latin1');
      const data = split === -1 ? Buffer.alloc(0) : chunk.subarray(split + 4);
      this.parts.push({ name: partName(head), head, data });
      at = next;
    }
  }

  has(name: string): boolean {
    return this.parts.some((p) => p.name === name);
  }

  get(name: string): string | undefined {
    return this.parts.find((p) => p.name === name)?.data.toString('utf8');
  }

  /** Sets a plain text field: replaces the first part of that name, or appends one. */
  set(name: string, value: string): void {
    const part = this.parts.find((p) => p.name === name);
    const fresh = { name, head: `Content-Disposition: form-data; name="${name}"`, data: Buffer.from(value) };
    if (part) this.parts[this.parts.indexOf(part)] = fresh;
    else this.parts.push(fresh);
  }

  delete(name: string): void {
    this.parts = this.parts.filter((p) => p.name !== name);
  }

  toBuffer(): Buffer {
    const chunks: Buffer[] = [];
    for (const part of this.parts) {
      chunks.push(Buffer.from(`--${this.boundary}${CRLF}${part.head}${CRLF}${CRLF}`, 'latin1'), part.data, Buffer.from(CRLF));
    }
    chunks.push(Buffer.from(`--${this.boundary}--${CRLF}`));
    return Buffer.concat(chunks);
  }
}
