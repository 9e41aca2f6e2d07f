"""Published notices (公告): the one stored, signed source of everything the public sees of a trade.

The portal, search, the change feed, OCDS output and statistics are all read from these rows.
"""
