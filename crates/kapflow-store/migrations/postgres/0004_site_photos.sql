-- Photos of the public site, uploaded by the owner. Stored in the database (outside any web
-- root), metadata already stripped. In step with ../sqlite/0004_site_photos.sql.
CREATE TABLE site_photos (
    id           UUID PRIMARY KEY NOT NULL,
    page         TEXT NOT NULL,
    content_type TEXT NOT NULL CHECK (content_type IN ('image/jpeg', 'image/png', 'image/webp')),
    bytes        BYTEA NOT NULL,
    alt          TEXT NOT NULL CHECK (length(alt) > 0),
    author_id    UUID REFERENCES users (id),
    created_at   TIMESTAMPTZ NOT NULL,
    removed_at   TIMESTAMPTZ
);
CREATE INDEX site_photos_page ON site_photos (page, created_at);
