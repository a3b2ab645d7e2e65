package config

// APIURL resolves the URL of a remote `hookctl serve`: the --api-url flag,
// HOOKCTL_API_URL, the config file's api_url. Empty means local mode.
func APIURL(flag string, getenv Env, file *File) string {
	switch {
	case flag != "":
		return flag
	case getenv("HOOKCTL_API_URL") != "":
		return getenv("HOOKCTL_API_URL")
	case file != nil:
		return file.APIURL
	}
	return ""
}

// APIKey resolves the key sent to a remote server: HOOKCTL_API_KEY, then the
// config file's api_key. (No flag: keys on command lines end up in shell
// histories and process listings.)
func APIKey(getenv Env, file *File) string {
	if k := getenv("HOOKCTL_API_KEY"); k != "" {
		return k
	}
	if file != nil {
		return file.APIKey
	}
	return ""
}
