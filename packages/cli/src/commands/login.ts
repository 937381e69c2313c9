import { createClient, ApiError } from '@gatehouse/api-client';
import type { Command } from '../context.ts';
import { CliError, fromApiError, usageError } from '../errors.ts';
import { profilesPath, readProfiles, writeProfiles } from '../profiles.ts';

const usage = 'login --url <api-url> --token <kpat_...> [--profile <name>] [--no-verify]';

export default {
  summary: 'Store an API URL and token as a profile (checked against the API first).',
  usage,
  options: { 'no-verify': { type: 'boolean' } },
  async run(ctx, { values }) {
    const url = (values.url as string | undefined) ?? ctx.env.GATEHOUSE_URL;
    const token = (values.token as string | undefined) ?? ctx.env.GATEHOUSE_TOKEN;
    if (!url || !token) throw usageError('login needs --url and --token (or GATEHOUSE_URL and GATEHOUSE_TOKEN)', usage);
    if (!/^https?:\/\//.test(url)) throw usageError(`--url must start with http:// or https://, got '${url}'`, usage);
    if (!values['no-verify']) {
      try {
        await createClient({ url, token }).controlPlanes.list({ pageSize: 1 });
      } catch (error) {
        if (error instanceof ApiError) {
          const cli = fromApiError(error);
          throw new CliError(cli.code, `could not log in: ${cli.message}`, error.status === 401 ? 'Check the token (npm start prints it on first start) and run login again.' : cli.hint);
        }
        throw error;
      }
    }
    const path = profilesPath(ctx.env);
    const file = readProfiles(path);
    file.profiles[ctx.profile] = { url: url.replace(/\/+$/, ''), token };
    file.current = ctx.profile;
    writeProfiles(path, file);
    if (ctx.json) ctx.out(JSON.stringify({ profile: ctx.profile, url, path }));
    else ctx.out(`Logged in to ${url} as profile '${ctx.profile}' (stored in ${path}).`);
  },
} satisfies Command;
