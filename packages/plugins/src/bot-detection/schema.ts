import { Type, type FieldError, type Static } from '@gatehouse/schema';

// Kong's bot-detection config (kong/plugins/bot-detection/schema.lua;
// specs/kong-plugins/3.15/BotDetection.json).

/** Config of the bot-detection plugin, with Kong's defaults. */
export const botDetectionSchema = Type.Object(
  {
    allow: Type.Array(Type.String(), { default: [], description: 'User-Agent regexes always allowed (checked first).' }),
    deny: Type.Array(Type.String(), { default: [], description: 'User-Agent regexes denied (403).' }),
  },
  { additionalProperties: false, default: {} },
);
export type BotDetectionConfig = Static<typeof botDetectionSchema>;

/** Kong's rules are PCRE, unanchored and case-sensitive; `(?P<name>` is accepted as in PCRE. */
export const compileUaRegex = (source: string): RegExp => new RegExp(source.replaceAll('(?P<', '(?<'));

/** Every allow and deny entry must compile. */
export function refineBotDetection(config: BotDetectionConfig): FieldError[] {
  const errors: FieldError[] = [];
  for (const list of ['allow', 'deny'] as const) {
    config[list].forEach((source, i) => {
      try {
        compileUaRegex(source);
      } catch (error) {
        errors.push({ field: `${list}.${i}`, rule: 'invalid', reason: `'${source}' is not a valid regex: ${(error as Error).message}` });
      }
    });
  }
  return errors;
}
