{{/* Labels on every object: the same part-of label as deploy/base, plus Helm's own. */}}
{{- define "finetune.labels" -}}
app.kubernetes.io/part-of: finetune-operator
app.kubernetes.io/managed-by: {{ .Release.Service }}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | quote }}
{{- end }}

{{/*
The prefix of every release-scoped name: fullnameOverride, else the release name when it
contains the chart name (release "finetune-operator": exactly deploy/base's names), else
<release>-<chart>. Two releases in two namespaces then share no cluster-scoped name.
*/}}
{{- define "finetune.fullname" -}}
{{- $name := default .Chart.Name .Values.nameOverride }}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 52 | trimSuffix "-" }}
{{- else if contains $name .Release.Name }}
{{- .Release.Name | trunc 52 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name $name | trunc 52 | trimSuffix "-" }}
{{- end }}
{{- end }}

{{/* <repository>:<tag>, the tag defaulting to the chart's appVersion plus a suffix. */}}
{{- define "finetune.image" -}}
{{- printf "%s:%s" .image.repository (.image.tag | default "" | toString | default (printf "%s%s" .root.Chart.AppVersion .suffix)) }}
{{- end }}

{{/*
A file of deploy/components (files/components) moved to the release namespace, its names
scoped to the release (no-ops for release finetune-operator in finetune-system).
*/}}
{{- define "finetune.component" -}}
{{- $full := include "finetune.fullname" .root }}
{{- .root.Files.Get (printf "files/components/%s" .file)
  | replace "finetune-operator-webhook" (printf "%s-webhook" $full)
  | replace "\n  name: finetune-operator\n" (printf "\n  name: %s\n" $full)
  | replace "namespace: finetune-system" (printf "namespace: %s" .root.Release.Namespace)
  | replace (printf "%s-webhook.finetune-system.svc" $full) (printf "%s-webhook.%s.svc" $full .root.Release.Namespace)
  | replace (printf "finetune-system/%s-webhook" $full) (printf "%s/%s-webhook" .root.Release.Namespace $full) }}
{{- end }}
