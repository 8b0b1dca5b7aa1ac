// RFC 8288 Link headers as the Mastodon API sends them for pagination:
// <https://host/api/v1/timelines/home?max_id=9>; rel="next", <...?min_id=12>; rel="prev"

export type Links = Partial<Record<string, string>>;

export function parseLinkHeader(header: string | null | undefined): Links {
  const links: Links = {};
  if (!header) return links;
  // A URL may itself contain commas, so match whole <url>; params entries instead of splitting.
  const entry = /<([^>]*)>((?:\s*;\s*[^;,=]+(?:=(?:"[^"]*"|[^;,]*))?)*)/g;
  for (const match of header.matchAll(entry)) {
    const url = match[1].trim();
    const rel = /;\s*rel\s*=\s*(?:"([^"]*)"|([^;,\s]+))/i.exec(match[2]);
    if (!rel) continue;
    for (const name of (rel[1] ?? rel[2]).trim().split(/\s+/)) {
      const key = name.toLowerCase();
      if (key && !(key in links)) links[key] = url;
    }
  }
  return links;
}
