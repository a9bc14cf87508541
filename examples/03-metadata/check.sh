#!/bin/sh
# What the agent serves a container, from inside it.
. "$(dirname "$0")/../lib/check.sh"
V4=http://169.254.170.2/v4
expect app "$V4" 'Name=^app$' 'DockerName=.' 'KnownStatus=^RUNNING$' 'Networks.0.NetworkMode=.' 'Networks.0.IPv4Addresses.0=^169\.254\.'
expect app "$V4/task" 'Family=^orders$' 'Revision=^7$' 'TaskARN=^arn:aws:ecs:[a-z0-9-]+:\d{12}:task/' 'Containers.0.Name=^app$' 'LaunchType=.'
expect app "$V4/taskWithTags" 'TaskTags.team=^checkout$'
expect app "$V4/stats" 'memory_stats.usage=^\d+$' 'networks=.'
expect app 'http://169.254.170.2/v3/task' 'Family=^orders$'
expect app 'http://169.254.170.2/v2/metadata' 'Family=^orders$'
