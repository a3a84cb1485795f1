{{/* The release's name prefix, at most 63 characters. */}}
{{- define "infertrace.fullname" -}}
{{- if contains .Chart.Name .Release.Name -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name .Chart.Name | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}

{{/* Labels on every object; "component" names the part. */}}
{{- define "infertrace.labels" -}}
app.kubernetes.io/name: {{ .root.Chart.Name }}
app.kubernetes.io/instance: {{ .root.Release.Name }}
app.kubernetes.io/version: {{ .root.Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .root.Release.Service }}
app.kubernetes.io/component: {{ .component }}
helm.sh/chart: {{ printf "%s-%s" .root.Chart.Name .root.Chart.Version }}
{{- end -}}

{{/* The selector of one component. */}}
{{- define "infertrace.selector" -}}
app.kubernetes.io/name: {{ .root.Chart.Name }}
app.kubernetes.io/instance: {{ .root.Release.Name }}
app.kubernetes.io/component: {{ .component }}
{{- end -}}

{{- define "infertrace.image" -}}
{{- printf "%s:%s" .Values.image.repository (default .Chart.AppVersion .Values.image.tag) -}}
{{- end -}}

{{- define "infertrace.collectorImage" -}}
{{- printf "%s:%s" .Values.collector.image.repository .Values.collector.image.tag -}}
{{- end -}}

{{/* The container security context of every infertrace container: non-root, nothing extra. */}}
{{- define "infertrace.securityContext" -}}
runAsNonRoot: true
allowPrivilegeEscalation: false
capabilities:
  drop: [ALL]
{{- end -}}

{{/* Where infertrace's own pods (ingress, webhook) export: the node's agent, else the gateway. */}}
{{- define "infertrace.otlpEndpoint" -}}
{{- if and .Values.collector.agent.enabled .Values.collector.agent.hostPorts -}}
http://$(HOST_IP):4318
{{- else -}}
{{- include "infertrace.gatewayOtlp" . -}}
{{- end -}}
{{- end -}}

{{/* The collector gateway's OTLP/HTTP, reachable from any namespace. */}}
{{- define "infertrace.gatewayOtlp" -}}
{{- printf "http://%s-collector-gateway.%s.svc:4318" (include "infertrace.fullname" .) .Release.Namespace -}}
{{- end -}}
