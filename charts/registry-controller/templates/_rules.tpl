{{/*
The alerting rules: the one source of truth. templates/prometheusrule.yaml wraps them in a
PrometheusRule; deploy/prometheus/registryctl-rules.yaml is this rendered with the default values
(deploy/prometheus/render.sh writes it; a test proves the two identical). Prometheus's own template
braces are escaped ({{ "{{" }} … }}) so that helm leaves them for Prometheus.
*/}}
{{- define "registry-controller.ruleGroups" -}}
{{- $r := .Values.prometheusRule -}}
groups:
  - name: registry-controller
    rules:
      - alert: RegistryctlZombiesTerminated
        expr: sum by (registry_workspace) (increase(registryctl_zombies_terminated_total[{{ $r.zombies.window }}])) > {{ $r.zombies.threshold }}
        for: {{ $r.zombies.for }}
        labels:
          severity: warning
        annotations:
          summary: >-
            More than {{ $r.zombies.threshold }} zombie agents terminated in {{ $r.zombies.window }}
          description: >-
            {{ "{{" }} $value | printf "%.0f" }} agents of {{ "{{" }} $labels.registry_workspace }} were marked ended by the controller in the last {{ $r.zombies.window }} although the orchestrator still had them active. The orchestrator is losing track of its agents (sessions dying without a registry write).
          runbook_url: {{ $r.runbookUrl }}#registryctlzombiesterminated
      - alert: RegistryctlRegistriesRepaired
        expr: sum by (registry_workspace) (increase(registryctl_reconciles_total{reconcile_outcome="repaired"}[{{ $r.repairs.window }}])) > {{ $r.repairs.threshold }}
        for: {{ $r.repairs.for }}
        labels:
          severity: warning
        annotations:
          summary: >-
            More than {{ $r.repairs.threshold }} registry repairs in {{ $r.repairs.window }}
          description: >-
            The controller rewrote registries of {{ "{{" }} $labels.registry_workspace }} {{ "{{" }} $value | printf "%.0f" }} times in the last {{ $r.repairs.window }} (zombies, drifted counters). Registries this often wrong mean a writer keeps corrupting them.
          runbook_url: {{ $r.runbookUrl }}#registryctlregistriesrepaired
      - alert: RegistryctlReconcileErrors
        expr: sum by (registry_workspace, registry_kind) (increase(registryctl_reconciles_total{reconcile_outcome="error"}[{{ $r.errors.window }}])) > {{ $r.errors.threshold }}
        for: {{ $r.errors.for }}
        labels:
          severity: warning
        annotations:
          summary: >-
            Reconciles failing
          description: >-
            {{ "{{" }} $value | printf "%.0f" }} reconciles of {{ "{{" }} $labels.registry_kind }} registries in {{ "{{" }} $labels.registry_workspace }} ended in error in the last {{ $r.errors.window }} (unreadable registry, lock timeout, write failure). They are retried with back-off.
          runbook_url: {{ $r.runbookUrl }}#registryctlreconcileerrors
      - alert: RegistryctlRegistryUnrepaired
        expr: registryctl_registries_unsettled{reconcile_outcome="error"} > 0
        for: {{ $r.unrepaired.for }}
        labels:
          severity: critical
        annotations:
          summary: >-
            A registry is left unrepaired
          description: >-
            {{ "{{" }} $value | printf "%.0f" }} registries watched by {{ "{{" }} $labels.instance }} have ended their latest reconcile in error for {{ $r.unrepaired.for }}; whatever they need (a zombie ended, a counter fixed) is not being written.
          runbook_url: {{ $r.runbookUrl }}#registryctlregistryunrepaired
      - alert: RegistryctlMassGuardHolding
        expr: registryctl_registries_unsettled{reconcile_outcome="held"} > 0
        for: {{ $r.guard.for }}
        labels:
          severity: critical
        annotations:
          summary: >-
            The mass-termination guard is holding terminations back
          description: >-
            {{ "{{" }} $value | printf "%.0f" }} registries watched by {{ "{{" }} $labels.instance }} have had their terminations held by the mass guard for {{ $r.guard.for }}. Either many agents really died at once or tmux shows the controller a wrong picture; a person must decide.
          runbook_url: {{ $r.runbookUrl }}#registryctlmassguardholding
      - alert: RegistryctlNotReady
        expr: registryctl_ready == 0
        for: {{ $r.notReady.for }}
        labels:
          severity: warning
        annotations:
          summary: >-
            The controller is not ready
          description: >-
            {{ "{{" }} $labels.instance }} has reported not ready for {{ $r.notReady.for }} (startup reconcile not done, a file watcher down, a workspace missing, or a broken tmux view). Its /readyz says why.
          runbook_url: {{ $r.runbookUrl }}#registryctlnotready
      - alert: RegistryctlAbsent
        expr: absent(registryctl_ready)
        for: {{ $r.absent.for }}
        labels:
          severity: critical
        annotations:
          summary: >-
            No registry controller is reporting
          description: >-
            Prometheus has scraped no registryctl_ready series for {{ $r.absent.for }}. No controller is running, or none is scraped; nobody is repairing the registries.
          runbook_url: {{ $r.runbookUrl }}#registryctlabsent
      - alert: RegistryctlNotScanning
        expr: time() - registryctl_loop_last_activity_seconds > {{ $r.stale.seconds }}
        for: {{ $r.stale.for }}
        labels:
          severity: critical
        annotations:
          summary: >-
            The controller has stopped scanning
          description: >-
            {{ "{{" }} $labels.instance }} has neither looked at tmux nor finished a reconcile for {{ "{{" }} $value | printf "%.0f" }} s. Its loop is wedged; its liveness probe should restart it.
          runbook_url: {{ $r.runbookUrl }}#registryctlnotscanning
      - alert: RegistryctlOrphansRising
        expr: registryctl_orphans - min_over_time(registryctl_orphans[{{ $r.orphans.window }}]) >= {{ $r.orphans.rise }}
        for: {{ $r.orphans.for }}
        labels:
          severity: warning
        annotations:
          summary: >-
            Orphan agent sessions rising
          description: >-
            {{ "{{" }} $labels.instance }} sees {{ "{{" }} $value | printf "%.0f" }} more agent_ sessions that no registry names than it did at the lowest point of the last {{ $r.orphans.window }}. The orchestrator is losing agents it started.
          runbook_url: {{ $r.runbookUrl }}#registryctlorphansrising
{{- end }}
