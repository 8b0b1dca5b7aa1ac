-- graph role: private notes, endorsements, featured tags, dismissed follow suggestions
CREATE TABLE account_notes (
    account_id bigint NOT NULL,
    target_id bigint NOT NULL,
    comment text NOT NULL,
    PRIMARY KEY (account_id, target_id)
);

CREATE TABLE endorsements (
    id bigint PRIMARY KEY,
    account_id bigint NOT NULL,
    target_id bigint NOT NULL,
    UNIQUE (account_id, target_id)
);

CREATE TABLE featured_tags (
    id bigint PRIMARY KEY,
    account_id bigint NOT NULL,
    name text NOT NULL,
    UNIQUE (account_id, name)
);

CREATE TABLE dismissed_suggestions (
    account_id bigint NOT NULL,
    target_id bigint NOT NULL,
    PRIMARY KEY (account_id, target_id)
);
