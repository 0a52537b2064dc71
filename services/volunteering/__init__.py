"""Volunteering: volunteers, teams, activities, help requests and points (积分)."""
