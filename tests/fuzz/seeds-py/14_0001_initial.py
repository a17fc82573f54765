not Python: zdm must not read installed or VCS folders
