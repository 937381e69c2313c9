import { readFileSync } from 'node:fs';

/** The platform version, from the root package.json; shown in Server/Via headers and node reports. */
export const VERSION: string = JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')).version;
