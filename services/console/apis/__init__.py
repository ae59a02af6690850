"""One adapter per service the console calls: every HTTP path it uses is in these modules."""
