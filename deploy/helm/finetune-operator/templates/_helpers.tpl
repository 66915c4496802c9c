{{/* Labels on every object: the same part-of label as deploy/base, plus Helm's own. */}}
{{- define "finetune.labels" -}}
app.kubernetes.io/part-of: finetune-operator
app.kubernetes.io/managed-by: {{ .Release.Service }}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | quote }}
{{- end }}

{{/* A file of deploy/components (files/components) moved to the release namespace. */}}
{{- define "finetune.component" -}}
{{ .root.Files.Get (printf "files/components/%s" .file) | replace "namespace: finetune-system" (printf "namespace: %s" .root.Release.Namespace) | replace "finetune-operator-webhook.finetune-system.svc" (printf "finetune-operator-webhook.%s.svc" .root.Release.Namespace) | replace "finetune-system/finetune-operator-webhook" (printf "%s/finetune-operator-webhook" .root.Release.Namespace) }}
{{- end }}
