from jail.cli import entry_point

entry_point()
