"""Credit: sanctions that bar market entities from bidding, and their enforcement when bidding."""
