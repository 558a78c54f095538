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

/** Block Markdown → HTML that is safe to insert. */
export function renderMarkdown(text: string): string {
  return md.render(text);
}

/** One line of Markdown (field descriptions) → HTML without a wrapping paragraph. */
export function renderInline(text: string): string {
  return md.renderInline(text);
}
