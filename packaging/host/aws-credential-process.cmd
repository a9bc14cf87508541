@echo off
rem Shipped to the host by Docker Desktop (metadata.json host.binaries) and run by the ECS Endpoints
rem UI while the dashboard is open: given ONE profile name, runs that profile's credential_process
rem from this machine's AWS files (as aws-credential-process.sh does on macOS and Linux) and prints
rem its credentials JSON. The command comes from the person's files, never from the caller. On any
rem failure: one line on stderr, exit code not 0, never the program's output (it may hold secrets).
rem Like the AWS SDK for JavaScript on Windows, the command runs through cmd.exe /d /s /c.
setlocal
set "ECS_ENDPOINTS_PROFILE=%~1"
powershell.exe -NoProfile -NonInteractive -ExecutionPolicy Bypass -Command ^
  "$n = $env:ECS_ENDPOINTS_PROFILE; $q = [char]34;" ^
  "function Fail($m, $c) { [Console]::Error.WriteLine('aws-credential-process: ' + $m); exit $c };" ^
  "if (-not ($n -cmatch '^[A-Za-z0-9_@+.%%:/-]+$')) { Fail 'its argument is not a profile name the AWS SDKs read (letters, digits and _@+.%%:/- only).' 2 };" ^
  "$h = $env:USERPROFILE;" ^
  "function Expand($p) { if ($p -eq '~') { return $h }; if ($p.StartsWith('~/') -or $p.StartsWith('~\')) { return Join-Path $h $p.Substring(2) }; return $p };" ^
  "$c = Expand $(if ($env:AWS_CONFIG_FILE) { $env:AWS_CONFIG_FILE } else { Join-Path $h '.aws\config' });" ^
  "$k = Expand $(if ($env:AWS_SHARED_CREDENTIALS_FILE) { $env:AWS_SHARED_CREDENTIALS_FILE } else { Join-Path $h '.aws\credentials' });" ^
  "function Lookup($file, $names) {" ^
  "  $r = @{ seen = $false; value = $null }; if (-not (Test-Path -LiteralPath $file)) { return $r }; $in = $false; $sub = $null;" ^
  "  foreach ($raw in Get-Content -LiteralPath $file) {" ^
  "    $line = ($raw -split '(?:^|\s)[;#]')[0].Trim();" ^
  "    if ($line.StartsWith('[') -and $line.EndsWith(']')) { $in = $names -ccontains $line.Substring(1, $line.Length - 2); $sub = $null; if ($in) { $r.seen = $true }; continue };" ^
  "    if (-not $in) { continue }; $i = $line.IndexOf('='); if ($i -le 0) { continue };" ^
  "    $key = $line.Substring(0, $i).Trim(); $val = $line.Substring($i + 1).Trim();" ^
  "    if ($val -eq '') { $sub = $key; continue }; if ($sub -and $raw.TrimStart() -ceq $raw) { $sub = $null };" ^
  "    if (-not $sub -and $key -ceq 'credential_process') { $r.value = $val } };" ^
  "  return $r };" ^
  "$cmd = (Lookup $k @($n)).value;" ^
  "if (-not $cmd) { $r = Lookup $c @(('profile ' + $n), ('profile ' + $q + $n + $q), ('profile ''' + $n + '''')); if ($n -ceq 'default' -and -not $r.seen) { $r = Lookup $c @('default') }; $cmd = $r.value };" ^
  "if (-not $cmd) { Fail ('profile ' + $q + $n + $q + ' has no credential_process in ' + $c + ' or ' + $k + '.') 1 };" ^
  "$psi = New-Object System.Diagnostics.ProcessStartInfo; $psi.FileName = $env:ComSpec; $psi.Arguments = '/d /s /c ' + $q + $cmd + $q;" ^
  "$psi.UseShellExecute = $false; $psi.RedirectStandardOutput = $true; $psi.RedirectStandardError = $true;" ^
  "$p = [System.Diagnostics.Process]::Start($psi); $err = $p.StandardError.ReadToEndAsync(); $out = $p.StandardOutput.ReadToEnd(); $p.WaitForExit();" ^
  "if ($p.ExitCode -ne 0) { $last = @($err.Result -split '\r?\n' | Where-Object { $_.Trim() } | Select-Object -Last 1)[0]; if ($last -and $last.Length -gt 300) { $last = $last.Substring(0, 300) }; Fail ('the credential_process of profile ' + $q + $n + $q + ' failed (exit ' + $p.ExitCode + ')' + $(if ($last) { ': ' + $last } else { '' })) 1 };" ^
  "if (-not $out.Trim()) { Fail ('the credential_process of profile ' + $q + $n + $q + ' printed nothing.') 1 };" ^
  "[Console]::Out.WriteLine($out.Trim())"
exit /b %ERRORLEVEL%
