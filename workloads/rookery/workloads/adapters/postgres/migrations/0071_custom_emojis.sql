-- accounts role: custom emojis (their images are in the media store)
CREATE TABLE custom_emojis (
    id bigint PRIMARY KEY,
    shortcode text NOT NULL UNIQUE,
    url text NOT NULL,
    static_url text NOT NULL,
    category text,
    visible_in_picker boolean NOT NULL DEFAULT true
);
