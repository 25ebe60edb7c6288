{{/*
Names and labels. The base name is fixed ("registry-controller"), not .Chart.Name: a parent chart
that aliases this one (alias: registryController) renames .Chart.Name, which would give resources
names that differ from what the sidecar template, called from the parent, refers to (and that are
not valid DNS names).
*/}}
{{- define "registry-controller.name" -}}
{{- default "registry-controller" .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{- define "registry-controller.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- $name := include "registry-controller.name" . }}
{{- if contains $name .Release.Name }}
{{- .Release.Name | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" }}
{{- end }}
{{- end }}
{{- end }}

{{- define "registry-controller.selectorLabels" -}}
app.kubernetes.io/name: {{ include "registry-controller.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}

{{- define "registry-controller.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{ include "registry-controller.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- end }}

{{- define "registry-controller.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "registry-controller.fullname" .) .Values.serviceAccount.name }}
{{- else }}
{{- default "default" .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{- define "registry-controller.leaseName" -}}
{{- default (include "registry-controller.fullname" .) .Values.leaderElection.leaseName }}
{{- end }}

{{- define "registry-controller.leaseNamespace" -}}
{{- default .Release.Namespace .Values.leaderElection.leaseNamespace }}
{{- end }}

{{- define "registry-controller.image" -}}
{{- printf "%s:%s" .Values.image.repository (default .Chart.AppVersion .Values.image.tag) }}
{{- end }}

{{/*
registry-controller.sidecar: the controller as one container (a list item), to include in any Pod
spec's containers. The Pod must have volumes named .Values.workspace.volumeName and
.Values.tmux.socketDir.volumeName (shared with the orchestrator) and "registry-controller-tmp"
(an emptyDir; see registry-controller.volumes), and run with the chart's ServiceAccount
(registry-controller.serviceAccountName) for events and leader election. Call it with the chart's
context (this chart's own templates) or, from a parent chart, with a dict holding this chart's
Values, Release and Chart:
  containers:
    - name: orchestrator
      ...
    {{- include "registry-controller.sidecar" . | nindent 4 }}
*/}}
{{- define "registry-controller.sidecar" -}}
- name: registry-controller
  image: {{ include "registry-controller.image" . | quote }}
  imagePullPolicy: {{ .Values.image.pullPolicy }}
  args:
    - run
    - --workspace={{ .Values.workspace.mountPath }}
    - --tmux-socket={{ .Values.tmux.socketDir.mountPath }}/{{ .Values.tmux.socketName }}
    - --tmux-timeout={{ .Values.tmux.timeout }}
    - --listen=0.0.0.0:{{ .Values.controller.port }}
    - --grace={{ .Values.controller.grace }}
    - --kill-orphans-after={{ .Values.controller.killOrphansAfter }}
    - --log-format={{ .Values.controller.logFormat }}
    {{- if .Values.leaderElection.enabled }}
    - --leader-elect
    {{- end }}
    {{- range .Values.controller.extraArgs }}
    - {{ . | quote }}
    {{- end }}
  env:
    - name: POD_NAME
      valueFrom:
        fieldRef:
          fieldPath: metadata.name
    - name: POD_NAMESPACE
      valueFrom:
        fieldRef:
          fieldPath: metadata.namespace
    - name: POD_UID
      valueFrom:
        fieldRef:
          fieldPath: metadata.uid
    - name: NODE_NAME
      valueFrom:
        fieldRef:
          fieldPath: spec.nodeName
    - name: HOME
      value: /tmp
    - name: TMPDIR
      value: /tmp
    - name: REGISTRYCTL_Controller__ScanInterval
      value: {{ .Values.controller.scanInterval | quote }}
    - name: REGISTRYCTL_Controller__ResyncInterval
      value: {{ .Values.controller.resyncInterval | quote }}
    - name: REGISTRYCTL_Controller__GuardHold
      value: {{ .Values.controller.guard.hold | quote }}
    - name: REGISTRYCTL_Reconcile__MassGuardMinimum
      value: {{ .Values.controller.guard.minimum | quote }}
    - name: REGISTRYCTL_Reconcile__MassGuardFraction
      value: {{ .Values.controller.guard.fraction | quote }}
    - name: REGISTRYCTL_Log__Level
      value: {{ .Values.controller.logLevel | quote }}
    {{- if .Values.leaderElection.enabled }}
    - name: REGISTRYCTL_Leader__LeaseName
      value: {{ include "registry-controller.leaseName" . | quote }}
    - name: REGISTRYCTL_Leader__LeaseNamespace
      value: {{ include "registry-controller.leaseNamespace" . | quote }}
    - name: REGISTRYCTL_Leader__LeaseDuration
      value: {{ .Values.leaderElection.leaseDuration | quote }}
    - name: REGISTRYCTL_Leader__RenewDeadline
      value: {{ .Values.leaderElection.renewDeadline | quote }}
    - name: REGISTRYCTL_Leader__RetryPeriod
      value: {{ .Values.leaderElection.retryPeriod | quote }}
    {{- end }}
    {{- with .Values.controller.timeZone }}
    - name: TZ
      value: {{ . | quote }}
    {{- end }}
    {{- with .Values.otel.endpoint }}
    - name: OTEL_EXPORTER_OTLP_ENDPOINT
      value: {{ . | quote }}
    - name: OTEL_SERVICE_NAME
      value: {{ $.Values.otel.serviceName | quote }}
    {{- end }}
    {{- with .Values.controller.extraEnv }}
    {{- toYaml . | nindent 4 }}
    {{- end }}
  ports:
    - name: health
      containerPort: {{ .Values.controller.port }}
      protocol: TCP
  {{- with .Values.probes }}
  livenessProbe:
    httpGet:
      path: {{ .liveness.path }}
      port: health
    periodSeconds: {{ .liveness.periodSeconds }}
    timeoutSeconds: {{ .liveness.timeoutSeconds }}
    failureThreshold: {{ .liveness.failureThreshold }}
  readinessProbe:
    httpGet:
      path: {{ .readiness.path }}
      port: health
    periodSeconds: {{ .readiness.periodSeconds }}
    timeoutSeconds: {{ .readiness.timeoutSeconds }}
    failureThreshold: {{ .readiness.failureThreshold }}
  startupProbe:
    httpGet:
      path: {{ .startup.path }}
      port: health
    periodSeconds: {{ .startup.periodSeconds }}
    timeoutSeconds: {{ .startup.timeoutSeconds }}
    failureThreshold: {{ .startup.failureThreshold }}
  {{- end }}
  securityContext:
    runAsUser: {{ .Values.uid }}
    runAsGroup: {{ .Values.gid }}
    {{- toYaml .Values.securityContext | nindent 4 }}
  {{- with .Values.resources }}
  resources:
    {{- toYaml . | nindent 4 }}
  {{- end }}
  volumeMounts:
    - name: {{ .Values.workspace.volumeName }}
      mountPath: {{ .Values.workspace.mountPath }}
    - name: {{ .Values.tmux.socketDir.volumeName }}
      mountPath: {{ .Values.tmux.socketDir.mountPath }}
    - name: registry-controller-tmp
      mountPath: /tmp
{{- end }}

{{/*
registry-controller.volumes: the workspace (existingClaim, hostPath or emptyDir), the tmux socket
directory (hostPath or emptyDir) and the controller's scratch emptyDir, as Pod volumes.
*/}}
{{- define "registry-controller.volumes" -}}
- name: {{ .Values.workspace.volumeName }}
  {{- if .Values.workspace.existingClaim }}
  persistentVolumeClaim:
    claimName: {{ .Values.workspace.existingClaim }}
  {{- else if .Values.workspace.hostPath }}
  hostPath:
    path: {{ .Values.workspace.hostPath }}
    type: {{ .Values.workspace.hostPathType }}
  {{- else }}
  emptyDir: {}
  {{- end }}
- name: {{ .Values.tmux.socketDir.volumeName }}
  {{- if .Values.tmux.socketDir.hostPath }}
  hostPath:
    path: {{ .Values.tmux.socketDir.hostPath | replace "{uid}" (toString .Values.uid) }}
    type: {{ .Values.tmux.socketDir.hostPathType }}
  {{- else }}
  emptyDir: {}
  {{- end }}
- name: registry-controller-tmp
  emptyDir:
    sizeLimit: {{ .Values.tmp.sizeLimit }}
{{- end }}

{{/* The Pod-level security context both workloads use. */}}
{{- define "registry-controller.podSecurityContext" -}}
runAsNonRoot: true
runAsUser: {{ .Values.uid }}
runAsGroup: {{ .Values.gid }}
seccompProfile:
  type: RuntimeDefault
{{- end }}
