"""The staff workbench (`/staff/`): the browser client community staff use to find and work their records.

A static page of native ES modules that calls the domain services' own HTTP APIs (`/grid`, `/economy`, `/welfare`,
`/volunteering`) from the same origin with the staff member's bearer token. It imports no service: every rule,
every scope check and every list lives behind those APIs.
"""
