{{/*
Names, labels and the small conversions every template shares.
*/}}

{{/* The chart name, or nameOverride. */}}
{{- define "npa.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/*
The base of every object name: fullnameOverride, or the release name (with the chart name unless the
release name already holds it). Trimmed to leave room for "-controller" within 63 characters.
*/}}
{{- define "npa.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 52 | trimSuffix "-" }}
{{- else }}
{{- $name := default .Chart.Name .Values.nameOverride }}
{{- if contains $name .Release.Name }}
{{- .Release.Name | trunc 52 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name $name | trunc 52 | trimSuffix "-" }}
{{- end }}
{{- end }}
{{- end }}

{{/* chart-version, for the helm.sh/chart label. */}}
{{- define "npa.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* Labels on every object. */}}
{{- define "npa.labels" -}}
helm.sh/chart: {{ include "npa.chart" . }}
app.kubernetes.io/name: {{ include "npa.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/part-of: {{ include "npa.name" . }}
{{- end }}

{{/* Selector labels of one component: include "npa.selectorLabels" (dict "ctx" $ "component" "agent"). */}}
{{- define "npa.selectorLabels" -}}
app.kubernetes.io/name: {{ include "npa.name" .ctx }}
app.kubernetes.io/instance: {{ .ctx.Release.Name }}
app.kubernetes.io/component: {{ .component }}
{{- end }}

{{/* The npa image reference; the tag defaults to the chart's appVersion. */}}
{{- define "npa.image" -}}
{{- printf "%s:%s" .Values.image.repository (default .Chart.AppVersion .Values.image.tag | toString) }}
{{- end }}

{{/*
A boolean value given as true/false or "true"/"false" (the aws-vpc-cni chart stores strings), as the
string "true" or "false". Anything else has already been rejected by values.schema.json.
*/}}
{{- define "npa.bool" -}}
{{- if eq (toString .) "true" }}true{{ else }}false{{ end }}
{{- end }}

{{/*
The enforcing mode the agent gets: nodeAgent.enforcingMode or env.NETWORK_POLICY_ENFORCING_MODE,
whichever is set, else "standard". templates/validate.yaml rejects a conflict and unknown modes.
*/}}
{{- define "npa.enforcingMode" -}}
{{- $fromEnv := "" }}
{{- if .Values.env }}{{ $fromEnv = toString (default "" .Values.env.NETWORK_POLICY_ENFORCING_MODE) }}{{ end }}
{{- $fromAgent := toString (default "" .Values.nodeAgent.enforcingMode) }}
{{- default "standard" (default $fromEnv $fromAgent) }}
{{- end }}

{{/*
Where the agent takes its rules from (--policy-source): nodeAgent.policySource, else "policyendpoints".
templates/validate.yaml rejects anything but "policyendpoints" and "networkpolicies".
*/}}
{{- define "npa.agent.policySource" -}}
{{- default "policyendpoints" (toString (default "" .Values.nodeAgent.policySource)) }}
{{- end }}

{{/* The port of a bind address given as 8162, "8162", ":8162" or "0.0.0.0:8162". */}}
{{- define "npa.port" -}}
{{- regexFind "[0-9]+$" (toString .) }}
{{- end }}

{{/* A bind address as the agent's flags take it: a bare port becomes ":port". */}}
{{- define "npa.bindAddr" -}}
{{- $addr := toString . }}
{{- if contains ":" $addr }}{{ $addr }}{{ else }}{{ printf ":%s" $addr }}{{ end }}
{{- end }}

{{/* The CloudWatch Logs group: the value, else the EKS or self-managed default. */}}
{{- define "npa.cloudWatchLogGroup" -}}
{{- if .Values.nodeAgent.cloudWatchLogGroup }}
{{- .Values.nodeAgent.cloudWatchLogGroup }}
{{- else if .Values.clusterName }}
{{- printf "/aws/eks/%s/cluster" .Values.clusterName }}
{{- else }}
{{- print "/aws/k8s-cluster/cluster" }}
{{- end }}
{{- end }}

{{/* The folder of the flow log file. */}}
{{- define "npa.logDir" -}}
{{- dir .Values.nodeAgent.networkPolicyAgentLogFileLocation }}
{{- end }}

{{- define "npa.agent.serviceAccountName" -}}
{{- if .Values.nodeAgent.serviceAccount.create }}
{{- default (printf "%s-agent" (include "npa.fullname" .)) .Values.nodeAgent.serviceAccount.name }}
{{- else }}
{{- default "default" .Values.nodeAgent.serviceAccount.name }}
{{- end }}
{{- end }}

{{- define "npa.controller.serviceAccountName" -}}
{{- if .Values.controller.serviceAccount.create }}
{{- default (printf "%s-controller" (include "npa.fullname" .)) .Values.controller.serviceAccount.name }}
{{- else }}
{{- default "default" .Values.controller.serviceAccount.name }}
{{- end }}
{{- end }}

{{- define "npa.controller.leaseName" -}}
{{- default (printf "%s-controller" (include "npa.fullname" .)) .Values.controller.leaderElection.leaseName }}
{{- end }}
