CREATE SCHEMA "Odd Schema";
CREATE TYPE "Odd Schema"."Mood Type" AS ENUM ('it''s ok');
CREATE TABLE "Odd Schema"."User Table" (
  "select" int CONSTRAINT "User Table_pkey" PRIMARY KEY,
  "Old Name" text,
  "drop me" int,
  "naïve" varchar(10),
  "mood" "Odd Schema"."Mood Type",
  CONSTRAINT "weird ""check""" CHECK ("select" > 0)
);
CREATE INDEX "idx ""quoted""" ON "Odd Schema"."User Table" ("naïve");
CREATE VIEW "Odd Schema"."User View" AS SELECT "select", "naïve" FROM "Odd Schema"."User Table";
INSERT INTO "Odd Schema"."User Table" VALUES (1, 'kept', 2, 'ü', 'it''s ok');
