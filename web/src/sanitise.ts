// Status content, bios and field values are server HTML: only this allow-list reaches the DOM.
import DOMPurify from "dompurify";

const ALLOWED_TAGS = ["p", "br", "a", "span", "strong", "b", "em", "i", "u", "s", "del", "code", "pre", "blockquote", "ul", "ol", "li"];
const ALLOWED_ATTR = ["href", "rel", "class", "title", "lang", "translate"];
// Only web and mail links; javascript:, data:, vbscript: and relative tricks are dropped.
const ALLOWED_URI_REGEXP = /^(?:https?:|mailto:)/i;
// The classes Mastodon puts on mention and hashtag links; anything else is removed.
const ALLOWED_CLASSES = new Set(["mention", "hashtag", "u-url", "h-card", "invisible", "ellipsis", "quote-inline"]);

let purifier: ReturnType<typeof DOMPurify> | null = null;

function instance(): ReturnType<typeof DOMPurify> {
  if (purifier) return purifier;
  purifier = DOMPurify(window);
  purifier.addHook("afterSanitizeAttributes", (node) => {
    if (node instanceof window.Element) {
      if (node.hasAttribute("class")) {
        const kept = [...node.classList].filter((name) => ALLOWED_CLASSES.has(name));
        if (kept.length) node.setAttribute("class", kept.join(" "));
        else node.removeAttribute("class");
      }
      if (node.tagName === "A") {
        node.setAttribute("rel", "nofollow noopener noreferrer");
        node.setAttribute("target", "_blank");
      }
    }
  });
  return purifier;
}

export function sanitiseHtml(html: string): string {
  return instance().sanitize(html, {
    ALLOWED_TAGS,
    ALLOWED_ATTR,
    ALLOWED_URI_REGEXP,
    ADD_ATTR: ["target"],
    ALLOW_DATA_ATTR: false,
    RETURN_TRUSTED_TYPE: false,
  }) as string;
}
