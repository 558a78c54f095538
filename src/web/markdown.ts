// Descriptions and definitions are Markdown. markdown-it with html disabled
// escapes any raw HTML (<script>, <img onerror>) into text, and its link
// validation drops javascript:, vbscript:, file: and data: URLs. Images are
// turned off (the page's CSP would block remote ones anyway); links get
// rel="noopener noreferrer" and open in a new tab.
import MarkdownIt from 'markdown-it';

const md = new MarkdownIt({ html: false, linkify: true, typographer: false, breaks: false });
md.disable(['image']);

const SAFE_URL = /^(https?:|mailto:|#|\/(?!\/))/i;

md.validateLink = (url: string): boolean => SAFE_URL.test(url.trim());

const defaultLinkOpen = md.renderer.rules.link_open;
md.renderer.rules.link_open = (tokens, idx, options, env, self) => {
  const token = tokens[idx]!;
  const url = String(token.attrGet('href') ?? '');
  if (/^https?:/i.test(url) || /^mailto:/i.test(url)) {
    token.attrSet('target', '_blank');
    token.attrSet('rel', 'noopener noreferrer');
  }
  return defaultLinkOpen ? defaultLinkOpen(tokens, idx, options, env, self) : self.renderToken(tokens, idx, options);
};

// Tables from descriptions scroll sideways on small screens.
md.renderer.rules.table_open = () => '<div class="md-table"><table>\n';
md.renderer.rules.table_close = () => '</table></div>\n';

// Column alignment (|:-|-:|) as a class rather than markdown-it's style="text-align:…":
// the page's Content-Security-Policy applies no inline style attributes.
for (const rule of ['th_open', 'td_open'] as const) {
  md.renderer.rules[rule] = (tokens, idx, options, _env, self) => {
    const token = tokens[idx]!;
    const align = /^text-align:(left|center|right)$/.exec(String(token.attrGet('style') ?? ''))?.[1];
    token.attrs = token.attrs?.filter(([name]) => name !== 'style') ?? null;
    if (align) token.attrJoin('class', `align-${align}`);
    return self.renderToken(tokens, idx, options);
  };
}

/** Block Markdown → HTML that is safe to insert. */
export function renderMarkdown(text: string): string {
  return md.render(text);
}

/** One line of Markdown (field descriptions) → HTML without a wrapping paragraph. */
export function renderInline(text: string): string {
  return md.renderInline(text);
}
