-- A 责任单位 list that ends in 「等」 names fewer units than it stands for; and a milestone may
-- carry a note (待确认) on how its count was read.
ALTER TABLE items ADD COLUMN units_open_list BOOLEAN NOT NULL DEFAULT false;
ALTER TABLE milestones ADD COLUMN note TEXT CHECK (note IS NULL OR btrim(note) <> '');
