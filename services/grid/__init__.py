"""Grid governance: communities, grid cells, resident reports and cases."""
