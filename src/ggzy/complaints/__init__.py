"""Questions on tender documents (答疑) and objections (异议/质疑) that pause a lot's procedure."""
