"""Device drivers: a pure codec and a thin transport per kind of device."""
