// The built-in bot list of bot-detection, after Kong's kong/plugins/bot-detection/rules.lua (itself
// from ua-parser's regexes): well-known crawlers, HTTP client libraries, and generic
// `<name>bot/<version>`, spider, scraper and crawl agents. Case-sensitive and unanchored, like Kong's.
// Browsers and curl are not bots.

const CRAWLERS = [
  '(?:[A-Za-z]+-)?Googlebot(?:-[A-Za-z]+)?',
  'AdsBot-Google(?:-[a-z]+)?',
  'Mediapartners-Google',
  'bingbot',
  'BingPreview',
  'msnbot',
  '[Bb]ai[Dd]u[Ss]pider',
  'Yandex[A-Za-z]+',
  'Slurp',
  'DuckDuckBot',
  'Slackbot(?:-LinkExpanding)?',
  'Slack-ImgProxy',
  'facebookexternalhit',
  'Twitterbot',
  'LinkedInBot',
  'WhatsApp',
  'Pingdom\\.com_bot',
  'ia_archiver',
  'SemrushBot',
  'MJ12bot',
  'AhrefsBot',
  'Scrapy',
  'masscan',
];

const LIBRARIES = ['Python-urllib', 'python-requests', 'Go-http-client', 'Apache-HttpClient', 'Google-HTTP-Java-Client', 'okhttp', 'axios', 'libwww-perl', 'WinHTTP', 'HttpMonitor', 'Java/\\d'];

const GENERIC = [
  // 'name/0.0' and 'name 0.0' where the name ends like a robot.
  '[A-Za-z0-9 _!\\[\\]:-]*(?:[Aa]rchiver|[Ii]ndexer|[Ss]craper|[Bb]ot|[Ss]pider|[Cc]rawl[a-z]*)[/ ]\\d+',
  // spider, scrape, crawl anywhere; 'bot' unless it is a CUBOT phone.
  '[Ss][Pp][Ii][Dd][Ee][Rr]',
  '[Ss]crape',
  '[Cc][Rr][Aa][Ww][Ll]',
  '[A-Za-z0-9-]*(?:[^C][^Uu])[Bb]ot',
];

/** Every built-in rule in one regex. */
export const BUILT_IN_BOTS = new RegExp([...CRAWLERS, ...LIBRARIES, ...GENERIC].map((s) => `(?:${s})`).join('|'));
