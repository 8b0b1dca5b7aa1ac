{{/* Names and labels shared by every template of the chart. */}}

{{- define "rookery-platform.tenantName" -}}
{{- default .Release.Name .Values.tenant.name | trunc 63 | trimSuffix "-" }}
{{- end }}

{{- define "rookery-platform.labels" -}}
app.kubernetes.io/name: rookery
app.kubernetes.io/instance: {{ include "rookery-platform.tenantName" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/part-of: rookery
app.kubernetes.io/managed-by: {{ .Release.Service }}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" }}
{{- end }}

{{- define "rookery-platform.tenantRef" -}}
tenantRef:
  name: {{ include "rookery-platform.tenantName" . }}
{{- end }}
