CREATE SCHEMA audit;
CREATE TABLE audit.log (id int);
CREATE SCHEMA reconcile;
CREATE TABLE reconcile.history (id int);
