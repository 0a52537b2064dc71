"""The district read side: projections of every domain into MongoDB, and the queries operators use."""
