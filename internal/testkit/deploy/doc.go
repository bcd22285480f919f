// Package deploy holds the checks for how Clockroom is shipped: the
// docker-compose.yml and Dockerfile at the top of the repository. There is no
// Docker engine on the build machines, so the compose file is validated with
// the compose-spec loader that Docker Compose itself uses.
package deploy
