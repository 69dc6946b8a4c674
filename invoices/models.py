"""发票: what buyers ask for and what cooperatives issue (built by issue 26)."""
