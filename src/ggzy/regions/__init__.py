"""Administrative regions (GB/T 2260), trading centers and their venues."""
