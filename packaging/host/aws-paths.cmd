@echo off
rem Shipped to the host by Docker Desktop (metadata.json host.binaries) and run by the ECS Endpoints
rem UI: prints where the AWS CLI and SDKs on this machine read their configuration, as one line of
rem JSON (see aws-paths.sh, the same for macOS and Linux). Honours AWS_CONFIG_FILE and
rem AWS_SHARED_CREDENTIALS_FILE. Reads nothing but file metadata; writes nothing.
powershell.exe -NoProfile -NonInteractive -ExecutionPolicy Bypass -Command ^
  "$h = $env:USERPROFILE;" ^
  "function Expand($p) { if ($p -eq '~') { return $h }; if ($p.StartsWith('~/') -or $p.StartsWith('~\')) { return Join-Path $h $p.Substring(2) }; return $p };" ^
  "$c = Expand $(if ($env:AWS_CONFIG_FILE) { $env:AWS_CONFIG_FILE } else { Join-Path $h '.aws\config' });" ^
  "$k = Expand $(if ($env:AWS_SHARED_CREDENTIALS_FILE) { $env:AWS_SHARED_CREDENTIALS_FILE } else { Join-Path $h '.aws\credentials' });" ^
  "$s = Join-Path $h '.aws\sso\cache';" ^
  "[ordered]@{ version = 1; os = 'windows'; home = $h; config = $c; configExists = (Test-Path $c); credentials = $k; credentialsExists = (Test-Path $k); ssoCache = $s; ssoCacheExists = (Test-Path $s) } | ConvertTo-Json -Compress"
