// The languages compose offers (ISO 639-1), named in the catalogue's language by the browser.
import { t } from "../strings";

export const LANGUAGES = [
  "ar", "ca", "cs", "cy", "da", "de", "el", "en", "eo", "es", "et", "eu", "fa", "fi", "fr", "ga", "gl", "he", "hi", "hr",
  "hu", "id", "it", "ja", "ko", "lt", "lv", "nb", "nl", "nn", "pl", "pt", "ro", "ru", "sk", "sl", "sr", "sv", "th", "tr",
  "uk", "vi", "zh",
];

let names: Intl.DisplayNames | null = null;

/** "German" for "de" (in the catalogue's locale); the code itself where the browser has no name. */
export function languageName(code: string): string {
  try {
    names ??= new Intl.DisplayNames([t("locale")], { type: "language" });
    return names.of(code) ?? code;
  } catch {
    return code;
  }
}

/** The language a new post starts in: the member's posting language, else the browser's, else English. */
export function defaultLanguage(preferred: string | null | undefined, browser: readonly string[] = navigator.languages ?? []): string {
  const candidates = [preferred, ...browser].map((tag) => tag?.toLowerCase().split("-")[0]);
  return candidates.find((code): code is string => Boolean(code) && LANGUAGES.includes(code!)) ?? "en";
}

/** The offered languages sorted by name, with `current` added when it is not among them. */
export function languageOptions(current: string): { code: string; name: string }[] {
  const codes = LANGUAGES.includes(current) || !current ? LANGUAGES : [...LANGUAGES, current];
  return codes.map((code) => ({ code, name: languageName(code) })).sort((a, b) => a.name.localeCompare(b.name));
}
