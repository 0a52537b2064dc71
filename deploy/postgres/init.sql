-- One PostgreSQL database per domain service (each service's event store and
-- its relay's tracking records). Run once by the postgres image on first start
-- (/docker-entrypoint-initdb.d), as the POSTGRES_USER superuser, which owns them.
-- The services select their database with the eventsourcing library's
-- service-prefixed override: GRID_POSTGRES_DBNAME=shequ_grid, and so on.

CREATE DATABASE shequ_grid;
CREATE DATABASE shequ_economy;
CREATE DATABASE shequ_welfare;
CREATE DATABASE shequ_volunteering;
