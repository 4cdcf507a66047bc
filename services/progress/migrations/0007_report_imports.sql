-- Reports imported from files (POST /imports/reports, `./thidua import reports FILE`).
--
-- import_files: files imported, so that the same file again changes nothing and answers its
-- first report (the registry's table, read and written by servicekit/imports.py).
CREATE TABLE import_files (
    kind        text NOT NULL,
    sha256      text NOT NULL,
    mode        text NOT NULL,
    report      jsonb NOT NULL,
    imported_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (kind, sha256, mode)
);

-- report_imports: each imported row's natural key (the target and the row's reference, or the
-- target, day and value) → the report it became, with a digest of what the row said, so a row
-- imported again (in another file too) is "unchanged", and one saying something else under the
-- same key is refused rather than stored twice.
CREATE TABLE report_imports (
    import_key text PRIMARY KEY,
    report_id  uuid NOT NULL,
    digest     text NOT NULL
);
