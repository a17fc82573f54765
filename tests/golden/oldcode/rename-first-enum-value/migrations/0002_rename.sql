-- The old code writes 'happy' (the value tests/integration/locks makes up for
-- an enum is its first): rename-enum-value says its writes fail.
ALTER TYPE mood RENAME VALUE 'happy' TO 'glad';
