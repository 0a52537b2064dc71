"""The shequ services: four domain services and the district read side."""
