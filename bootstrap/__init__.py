"""The composition root: the command line and the builders that wire services onto the platform.

The only code that imports `services`.
"""
