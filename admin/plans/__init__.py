"""Individual plans: the plan builder and plan versions."""
