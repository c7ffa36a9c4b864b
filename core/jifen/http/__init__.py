"""What pages and the API share: binding the county of a request, login and roles, headers, the theme."""
