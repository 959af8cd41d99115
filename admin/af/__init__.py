"""Exchange with Arbetsförmedlingen (AF): import and export behind an adapter interface."""
