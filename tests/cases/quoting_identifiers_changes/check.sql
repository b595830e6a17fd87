SELECT "New Name" = 'kept' AND "naïve" = 'ü' FROM "Odd Schema"."User Table"
SELECT count(*) = 1 FROM "Odd Schema"."User View"
