"""Counties: the bound county (tenancy), looking one up, its County context, plugin enablement, county folders."""
