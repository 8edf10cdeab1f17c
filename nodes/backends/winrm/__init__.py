"""Back-ends that run PowerShell over WinRM (pywinrm): SCVMM, Hyper-V and SCOM."""
