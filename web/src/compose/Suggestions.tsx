// The suggestion list under the compose box: an ARIA listbox whose active option the textarea
// points to (aria-activedescendant), so the keyboard stays in the text.
import { t } from "../strings";
import type { Suggestion } from "./autocomplete";

interface Props {
  id: string;
  items: Suggestion[];
  active: number;
  onChoose: (item: Suggestion) => void;
}

export const optionId = (id: string, index: number) => `${id}-option-${index}`;

export function Suggestions({ id, items, active, onChoose }: Props) {
  return (
    <>
      <ul class="suggestions" role="listbox" id={id} aria-label={t("compose_suggestions")}>
        {items.map((item, index) => (
          <li
            key={item.value}
            id={optionId(id, index)}
            role="option"
            aria-selected={index === active}
            class={index === active ? "active" : undefined}
            // mousedown, not click: the textarea keeps the focus and the caret
            onMouseDown={(event) => {
              event.preventDefault();
              onChoose(item);
            }}
          >
            {item.avatar && <img src={item.avatar} alt="" width={24} height={24} />}
            <bdi>{item.label}</bdi>
            {item.detail && <span class="muted"> {item.detail}</span>}
          </li>
        ))}
      </ul>
      <p class="visually-hidden" role="status">{t("compose_suggestions_count", { n: items.length })}</p>
    </>
  );
}
